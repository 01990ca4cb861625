"""A participant's follow-up: what became of their statements ("My participation")."""
