"""Code that Part 2, Custom and distributed training, builds up and embeds."""
