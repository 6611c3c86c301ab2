"""The hub-wide Work Group finder: groups of every programme, nearest first.

``places`` turns what a visitor typed (a postcode, part of one, or a town) into a
point on the British National Grid using only the coordinates of the schools the
hub already holds; ``views`` lists the groups with their distance from it.
"""
