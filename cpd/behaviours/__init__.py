"""Delivery behaviours: when feedback shows, when an answer is final, what comes next, how certainty marks.

They apply to every item type alike (Moodle's question behaviours beside its
question types); pages ask the behaviour instead of deciding themselves.
"""
