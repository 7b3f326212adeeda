"""Each role's journey through the product in a real browser (docs/tour.md), and the
standards every page of a journey is held to (``standards.check``)."""
