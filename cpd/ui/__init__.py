"""Streamlit pages: thin; they read state, call the engine, render."""
