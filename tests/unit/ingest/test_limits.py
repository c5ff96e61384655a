"""The quick line-length check says what the longest line says, for every limit around its length."""

from __future__ import annotations

import pytest

from flows.ingest.limits import has_line_longer_than, longest_line

CONTENTS = [
    b"",
    b"\n",
    b"abc",
    b"abc\n",
    b"\n\nabcdef",
    b"ab\ncdefgh\nij\n",
    b"abcdefgh\nij",
    b"a\r\nbcd\r\n\r\nefghijk\r\n",
    b"ab\n" * 50 + b"x" * 37 + b"\n" + b"cd\n" * 50,
    b"x" * 100,
]


@pytest.mark.parametrize("content", CONTENTS)
def test_a_line_is_longer_than_the_limit_exactly_when_the_longest_line_is(content: bytes) -> None:
    longest = longest_line(content)[1]
    for limit in range(1, longest + 3):
        assert has_line_longer_than(content, limit) is (longest > limit), (content, limit)
