"""Placeholder: the full KeyedVectors comes from the vectors branch."""

from __future__ import annotations

import numpy as np


class KeyedVectors:
    def __init__(self, index_to_key, vectors, counts=None):
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.vectors = vectors
        self.counts = counts

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, word):
        return word in self.key_to_index

    def __getitem__(self, word):
        return self.vectors[self.key_to_index[word]]

    def most_similar(self, word, topn=10):
        norm = self.vectors / np.linalg.norm(self.vectors, axis=1, keepdims=True)
        sims = norm @ norm[self.key_to_index[word]]
        order = [i for i in np.argsort(-sims) if self.index_to_key[i] != word][:topn]
        return [(self.index_to_key[i], float(sims[i])) for i in order]
