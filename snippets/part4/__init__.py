"""Code that Part 4, Generative deep learning, builds up and embeds."""
