"""Our normalised transcript rendered in other shapes (the inverse of ``transcripts.normalise``).

deepgram.py: the Deepgram-shaped ``result`` the compatible endpoints answer with.
"""
