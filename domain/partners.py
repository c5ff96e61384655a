"""Partner codes with a fixed meaning in every table."""

from typing import Final

# The World: the total over every partner, as GACC publishes it at the head of its partner tables.
WORLD_CODE: Final = "WLD"
