"""A linear-chain CRF over BIO tags, and the Viterbi decoder shared with softmax tagging.

Both decoders forbid the transitions that make an invalid span sequence
(``O -> I-X``, ``B-X -> I-Y``, a sentence starting with ``I-X``), so the output is
always a valid BIO sequence. With ``learn_transitions=False`` the module is the
"constrained decoding" baseline: softmax training, masked Viterbi at inference.
"""

from __future__ import annotations

import torch
from torch import nn

IMPOSSIBLE = -1e4


def allowed_transitions(tags: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """(from, to) and start masks: True where the BIO scheme allows the step."""
    n = len(tags)
    trans = torch.ones(n, n, dtype=torch.bool)
    start = torch.ones(n, dtype=torch.bool)
    for j, tag in enumerate(tags):
        if not tag.startswith("I-"):
            continue
        label = tag[2:]
        start[j] = False
        for i, prev in enumerate(tags):
            trans[i, j] = prev in (f"B-{label}", f"I-{label}")
    return trans, start


class BioCRF(nn.Module):
    def __init__(self, tags: list[str], learn_transitions: bool = True):
        super().__init__()
        trans_ok, start_ok = allowed_transitions(tags)
        self.register_buffer("transition_mask", torch.where(trans_ok, 0.0, IMPOSSIBLE))
        self.register_buffer("start_mask", torch.where(start_ok, 0.0, IMPOSSIBLE))
        self.learn_transitions = learn_transitions
        self.transitions = nn.Parameter(torch.zeros(len(tags), len(tags)), requires_grad=learn_transitions)
        self.start = nn.Parameter(torch.zeros(len(tags)), requires_grad=learn_transitions)
        self.end = nn.Parameter(torch.zeros(len(tags)), requires_grad=learn_transitions)

    def _scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.transitions + self.transition_mask, self.start + self.start_mask, self.end

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of gold ``tags`` (B, W); ``mask`` marks real words.

        Sequences must be left-aligned (real words first), as the feature builder makes them.
        """
        emissions = emissions.float()
        trans, start, end = self._scores()
        mask = mask.bool()
        tags = tags.clamp(min=0)
        batch = torch.arange(emissions.size(0), device=emissions.device)
        gold = start[tags[:, 0]] + emissions[batch, 0, tags[:, 0]]
        alpha = start + emissions[:, 0]
        for t in range(1, emissions.size(1)):
            step = mask[:, t]
            gold = gold + torch.where(step, trans[tags[:, t - 1], tags[:, t]] + emissions[batch, t, tags[:, t]], 0.0)
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans.unsqueeze(0), dim=1) + emissions[:, t]
            alpha = torch.where(step.unsqueeze(1), nxt, alpha)
        lengths = mask.sum(1).clamp(min=1)
        gold = gold + end[tags[batch, lengths - 1]]
        log_z = torch.logsumexp(alpha + end, dim=1)
        has_words = mask.any(1)
        return ((log_z - gold) * has_words).sum() / has_words.sum().clamp(min=1)

    @torch.no_grad()
    def decode(self, emissions: torch.Tensor) -> list[int]:
        """Best valid tag sequence for one sequence of emissions (W, T)."""
        if emissions.size(0) == 0:
            return []
        emissions = emissions.float()
        trans, start, end = self._scores()
        if not self.learn_transitions:
            emissions = emissions.log_softmax(-1)
        score = start + emissions[0]
        backpointers = []
        for t in range(1, emissions.size(0)):
            total = score.unsqueeze(1) + trans
            score, best = total.max(0)
            score = score + emissions[t]
            backpointers.append(best)
        path = [int((score + end).argmax())]
        for best in reversed(backpointers):
            path.append(int(best[path[-1]]))
        return path[::-1]
