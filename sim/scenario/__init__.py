"""Scenario and sweep files: reading, validation with one-line messages, designs."""
