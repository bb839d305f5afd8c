"""Named search spaces: `SPACES[name]`; `python -m search.run --list-spaces` prints them."""

from spaces.full import FULL
from spaces.smoke import SMOKE
from spaces.space import SearchSpace
from spaces.study import CONTROLLED, SEED, STUDY_BEST, STUDY_DEFAULT

SPACES: dict[str, SearchSpace] = {space.name: space for space in (FULL, SEED, *CONTROLLED, SMOKE)}

__all__ = ["SPACES", "STUDY_BEST", "STUDY_DEFAULT", "SearchSpace"]
