"""The Optuna side of a search: the truthful searcher, the ask-and-tell grid sampler, and the
replay of configurations a finished trial already trained."""

from search.study.grid_sampler import AskTellGridSampler
from search.study.optuna_searcher import CloseStudyAtEnd, TruthfulOptunaSearch

__all__ = ["AskTellGridSampler", "CloseStudyAtEnd", "TruthfulOptunaSearch"]
