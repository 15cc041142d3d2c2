"""The matching engine: embeddings, passages, topics, the index that scores pairs, weights, evaluation."""
