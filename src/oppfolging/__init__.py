"""Oppfølging: structured interdisciplinary follow-up teams for Norwegian municipalities."""
