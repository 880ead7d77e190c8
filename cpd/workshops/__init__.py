"""Live workshops: a facilitator runs a module for a room of people answering on their phones.

``room`` holds the engine (create, join, controls, answers, the revealed
distribution); ``codes`` the short join codes. No Streamlit here.
"""
