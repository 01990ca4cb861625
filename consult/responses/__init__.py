"""Official responses: policymakers answer statements publicly, with deadlines."""
