"""The joint model: one Hugging Face encoder, a BIO tagger over schema words and a
relation head that scores (action, argument) span pairs for each role.

Saved and loaded with ``save_pretrained`` / ``from_pretrained`` as safetensors and
one ``config.json`` that carries the encoder's own configuration and the label
sets, so a saved folder loads without the training configuration or the
original encoder weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from waqia import schema
from waqia.crf import BioCRF

#: Signed word-distance buckets for the relation head (log-spaced, then capped).
_DISTANCE_EDGES = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)

RELATION_HEADS = ("endpoints", "context")
DECODERS = ("crf", "constrained")


class EventModelConfig(PretrainedConfig):
    model_type = "waqia_event"

    def __init__(
        self,
        encoder_config: dict | None = None,
        encoder_name: str = "",
        mention_labels: list[str] | None = None,
        roles: list[str] | None = None,
        decoder: str = "crf",
        relation_head: str = "context",
        max_pair_distance: int = 48,
        label_embedding_size: int = 32,
        distance_embedding_size: int = 32,
        relation_hidden_size: int = 256,
        head_dropout: float = 0.1,
        relation_loss_weight: float = 1.0,
        normalization: str = "none",
        window_length: int = 256,
        window_overlap: int = 64,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, not '{decoder}'")
        if relation_head not in RELATION_HEADS:
            raise ValueError(f"relation_head must be one of {RELATION_HEADS}, not '{relation_head}'")
        self.encoder_config = encoder_config or {}
        self.encoder_name = encoder_name
        self.mention_labels = list(mention_labels if mention_labels is not None else schema.MENTION_LABELS)
        self.roles = list(roles if roles is not None else schema.ROLES)
        self.decoder = decoder
        self.relation_head = relation_head
        self.max_pair_distance = max_pair_distance
        self.label_embedding_size = label_embedding_size
        self.distance_embedding_size = distance_embedding_size
        self.relation_hidden_size = relation_hidden_size
        self.head_dropout = head_dropout
        self.relation_loss_weight = relation_loss_weight
        self.normalization = normalization
        self.window_length = window_length
        self.window_overlap = window_overlap

    @property
    def label_set(self) -> schema.LabelSet:
        return schema.LabelSet(tuple(self.mention_labels), tuple(self.roles))

    def build_encoder_config(self) -> PretrainedConfig:
        data = dict(self.encoder_config)
        return AutoConfig.for_model(data.pop("model_type"), **data)


# Registered so that AutoConfig (which AutoTokenizer consults on a saved model folder) knows the
# type instead of warning that "waqia_event" is being read as a plain config.
AutoConfig.register(EventModelConfig.model_type, EventModelConfig, exist_ok=True)


@dataclass
class EventModelOutput(ModelOutput):
    loss: torch.Tensor | None = None
    tag_loss: torch.Tensor | None = None
    relation_loss: torch.Tensor | None = None
    emissions: torch.Tensor | None = None
    relation_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


def distance_bucket(distance: torch.Tensor) -> torch.Tensor:
    """Signed bucket index: 0..len(edges)-1 for distance >= 0, then the negatives."""
    edges = torch.tensor(_DISTANCE_EDGES, device=distance.device)
    magnitude = torch.bucketize(distance.abs(), edges, right=True) - 1
    return torch.where(distance >= 0, magnitude, magnitude + len(_DISTANCE_EDGES))


class EventExtractionModel(PreTrainedModel):
    config_class = EventModelConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True

    def __init__(self, config: EventModelConfig, encoder: PreTrainedModel | None = None):
        super().__init__(config)
        self.encoder = encoder if encoder is not None else _encoder_from_config(config.build_encoder_config())
        hidden = self.encoder.config.hidden_size
        labels = config.label_set
        self.tags = labels.tags
        self.dropout = nn.Dropout(config.head_dropout)
        self.tagger = nn.Linear(hidden, len(self.tags))
        self.crf = BioCRF(self.tags, learn_transitions=config.decoder == "crf")
        n_labels = len(labels.mention_labels)
        self.label_embedding = nn.Embedding(n_labels, config.label_embedding_size)
        self.distance_embedding = nn.Embedding(2 * len(_DISTANCE_EDGES), config.distance_embedding_size)
        span_size = 2 * hidden + config.label_embedding_size
        pair_size = 2 * span_size + config.distance_embedding_size
        if config.relation_head == "context":
            pair_size += hidden
        self.relation_mlp = nn.Sequential(
            nn.Linear(pair_size, config.relation_hidden_size),
            nn.GELU(),
            nn.Dropout(config.head_dropout),
            nn.Linear(config.relation_hidden_size, len(labels.relation_classes)),
        )
        self.register_buffer("role_mask", self._role_mask(labels))
        self.post_init()

    @staticmethod
    def _role_mask(labels: schema.LabelSet) -> torch.Tensor:
        """(argument label, relation class) -> 0 where allowed, a large negative where not."""
        mask = torch.zeros(len(labels.mention_labels), len(labels.relation_classes))
        for i, label in enumerate(labels.mention_labels):
            for j, role in enumerate(labels.relation_classes[1:], start=1):
                if not schema.role_allows(role, label):
                    mask[i, j] = -1e4
        return mask

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """Load a full folder (safetensors) or a LoRA delta folder (see ``waqia.lora``)."""
        from waqia.lora import DELTA_FORMAT, load_delta

        config = kwargs.get("config") or EventModelConfig.from_pretrained(pretrained_model_name_or_path)
        if getattr(config, "weights_format", "full") == DELTA_FORMAT:
            return load_delta(cls, pretrained_model_name_or_path, config)
        return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)

    def _init_weights(self, module):
        if module is self.encoder or any(module is m for m in self.encoder.modules()):
            return  # the encoder keeps its pretrained (or its own) initialisation
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        word_index: torch.Tensor,
        word_mask: torch.Tensor,
        tag_ids: torch.Tensor | None = None,
        span_first: torch.Tensor | None = None,
        span_last: torch.Tensor | None = None,
        span_label: torch.Tensor | None = None,
        span_word: torch.Tensor | None = None,
        pair_action: torch.Tensor | None = None,
        pair_argument: torch.Tensor | None = None,
        pair_mask: torch.Tensor | None = None,
        pair_role: torch.Tensor | None = None,
        return_hidden: bool = False,
    ) -> EventModelOutput:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        emissions = self.word_emissions(hidden, word_index)
        out = EventModelOutput(emissions=emissions, hidden_states=hidden if return_hidden else None)
        if pair_action is not None and pair_action.size(1) > 0:
            out.relation_logits = self.relation_logits(
                hidden, span_first, span_last, span_label, span_word, pair_action, pair_argument
            )
        if tag_ids is not None:
            out.tag_loss = self.tag_loss(emissions, tag_ids, word_mask)
            out.loss = out.tag_loss
            if pair_role is not None and out.relation_logits is not None and pair_mask.any():
                out.relation_loss = nn.functional.cross_entropy(
                    out.relation_logits[pair_mask].float(), pair_role[pair_mask]
                )
                out.loss = out.loss + self.config.relation_loss_weight * out.relation_loss
        return out

    def word_emissions(self, hidden: torch.Tensor, word_index: torch.Tensor) -> torch.Tensor:
        """Tag scores per schema word, read at each word's first subword."""
        first = torch.gather(hidden, 1, word_index.unsqueeze(-1).expand(-1, -1, hidden.size(-1)))
        return self.tagger(self.dropout(first))

    def tag_loss(self, emissions: torch.Tensor, tag_ids: torch.Tensor, word_mask: torch.Tensor) -> torch.Tensor:
        if self.config.decoder == "crf":
            return self.crf.nll(emissions, tag_ids, word_mask)
        return nn.functional.cross_entropy(emissions[word_mask.bool()].float(), tag_ids[word_mask.bool()])

    def relation_logits(self, hidden, span_first, span_last, span_label, span_word, pair_action, pair_argument):
        """Role scores (B, P, roles + 1) for each (action span, argument span) pair."""
        dim = hidden.size(-1)

        def gather_tokens(index: torch.Tensor) -> torch.Tensor:
            return torch.gather(hidden, 1, index.unsqueeze(-1).expand(-1, -1, dim))

        spans = torch.cat(
            [gather_tokens(span_first), gather_tokens(span_last), self.label_embedding(span_label)], dim=-1
        )

        def gather_spans(tensor: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
            if tensor.dim() == 2:
                return torch.gather(tensor, 1, index)
            return torch.gather(tensor, 1, index.unsqueeze(-1).expand(-1, -1, tensor.size(-1)))

        action, argument = gather_spans(spans, pair_action), gather_spans(spans, pair_argument)
        distance = gather_spans(span_word, pair_argument) - gather_spans(span_word, pair_action)
        features = [action, argument, self.distance_embedding(distance_bucket(distance))]
        if self.config.relation_head == "context":
            features.append(self._between_context(hidden, span_first, span_last, pair_action, pair_argument))
        logits = self.relation_mlp(self.dropout(torch.cat(features, dim=-1)))
        return logits + self.role_mask[gather_spans(span_label, pair_argument)]

    @staticmethod
    def _between_context(hidden, span_first, span_last, pair_action, pair_argument) -> torch.Tensor:
        """Mean of the subwords strictly between the two spans (zeros when adjacent), via prefix sums."""
        first_a, last_a = torch.gather(span_first, 1, pair_action), torch.gather(span_last, 1, pair_action)
        first_b, last_b = torch.gather(span_first, 1, pair_argument), torch.gather(span_last, 1, pair_argument)
        lo = torch.minimum(last_a, last_b) + 1
        hi = torch.maximum(first_a, first_b)  # exclusive
        lo = torch.minimum(lo, hi)
        prefix = torch.nn.functional.pad(hidden.float().cumsum(1), (0, 0, 1, 0))
        dim = hidden.size(-1)
        total = torch.gather(prefix, 1, hi.unsqueeze(-1).expand(-1, -1, dim)) - torch.gather(
            prefix, 1, lo.unsqueeze(-1).expand(-1, -1, dim)
        )
        count = (hi - lo).clamp(min=1).unsqueeze(-1)
        return (total / count).to(hidden.dtype)


def _encoder_from_config(encoder_config: PretrainedConfig) -> PreTrainedModel:
    try:
        return AutoModel.from_config(encoder_config, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_config(encoder_config)


def load_encoder(path: str) -> PreTrainedModel:
    """The pretrained encoder without a pooler where the architecture has one (it is unused)."""
    try:
        return AutoModel.from_pretrained(path, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_pretrained(path)


def build_model(encoder_path: str, encoder_name: str = "", **config_overrides) -> EventExtractionModel:
    """A new joint model around a pretrained encoder (its weights are loaded, the heads are new)."""
    encoder = load_encoder(encoder_path)
    encoder_config = encoder.config.to_dict()
    config = EventModelConfig(
        encoder_config=encoder_config, encoder_name=encoder_name or encoder_path, **config_overrides
    )
    return EventExtractionModel(config, encoder=encoder)
