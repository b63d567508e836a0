"""Forms, one module per area of the console, each with its GOV.UK error messages."""
