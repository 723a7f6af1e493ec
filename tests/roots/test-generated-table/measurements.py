def speeds():
    return ["Mode", "Steps per second"], [["eager", "120"], ["graph", "480"]]


def malformed():
    return ["Mode", "Steps per second"], [["eager"]]
