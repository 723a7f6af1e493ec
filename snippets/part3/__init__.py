"""Code that Part 3, Advanced computer vision, builds up and embeds."""
