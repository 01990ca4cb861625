"""The policymakers' report, and the data exports in eight formats."""
