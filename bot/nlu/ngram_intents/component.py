"""Rasa NLU component: intents from the n-gram linear model (model.py).

When a classifier ran before it (DIET, in an earlier pipeline), its ranking can be blended in:
`weight` is the linear model's share (1.0, the default, ignores it). config.yml runs the linear
model alone: on the held-out split it is as good as the blend it replaced
(bench/out/nlu_eval.md against bench/out/nlu_eval_diet_blend.md) and trains in seconds.
"""

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.ngram_intents.model import NgramIntentModel
from bot.nlu.stored import StoredStateComponent, code_version


def blend(
    own: List[tuple], other: List[Dict[str, Any]], weight: float
) -> List[tuple]:
    """weight * own + (1 - weight) * other, per intent; intents missing from `other` count 0."""
    theirs = {r["name"]: float(r.get("confidence") or 0.0) for r in other or []}
    if not theirs or weight >= 1.0:
        return list(own)
    mixed = [(name, weight * p + (1.0 - weight) * theirs.get(name, 0.0)) for name, p in own]
    return sorted(mixed, key=lambda item: -item[1])


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class NgramIntentClassifier(StoredStateComponent):
    STATE_FILE = "ngram_intents.pkl"
    WITHOUT_STATE = "No n-gram intent model in the trained model; DIET's intents stand."

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"weight": 1.0, "c": 20.0, "char_max_ngram": 5, "ranking_length": 10,
                "code": code_version(__file__)}

    @classmethod
    def decode_state(cls, data: bytes, config: Dict[Text, Any]) -> NgramIntentModel:
        return NgramIntentModel.from_bytes(data)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        model = NgramIntentModel(c=self._config["c"],
                                 char_max_ngram=self._config["char_max_ngram"])
        model.fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])
        return self.store_state(model, model.to_bytes())

    def process(self, messages: List[Message]) -> List[Message]:
        model: Optional[NgramIntentModel] = self._state
        if model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            ranking = blend(model.rank(text), message.get(INTENT_RANKING_KEY) or [],
                            float(self._config["weight"]))
            top_name, top_confidence = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: top_name, "confidence": top_confidence},
                        add_to_output=True)
            length = int(self._config["ranking_length"]) or len(ranking)
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: n, "confidence": c} for n, c in ranking[:length]],
                add_to_output=True,
            )
        return messages
