"""The Streamlit shell's shared pieces: data access with caching, filters, charts, tiles."""
