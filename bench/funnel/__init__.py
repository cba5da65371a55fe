"""The funnel benchmark: the boss's matrix and a team forecast at a million deals."""
