"""The labelled seed corpus (kho ngữ liệu): written for this project and shipped with it.

``training_examples()`` builds the training lines from ``clauses.py``; ``heldout.tsv`` is written
separately, in other words and other situations, and is never trained on: it measures the models.
``moderation.tsv.gz`` holds the ViHOS training comments (MIT, see ``VIHOS-LICENSE``) with a
binary label, for the "needs moderation" flag.
"""
