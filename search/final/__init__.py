"""From a finished search to the model a user gets: the best configurations trained again at full
fidelity (`training`, the command `python -m search.final`), and the steps from the search's best
checkpoint to the deliverable — flip test-time augmentation and ensemble selection (`selection`,
`deliverable`). Light to import: the command's `--help` and bad input answer before torch loads."""
