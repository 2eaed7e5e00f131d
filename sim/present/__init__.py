"""Charts, tables, numbers and the HTML report for people; the ODD's generated tables."""
