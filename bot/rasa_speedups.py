"""A speed-up for one Rasa 3.6 internal, applied inside the Rasa server process.

After every custom action, `RemoteAction._validate_action_result` calls
`jsonschema.validate(response, schema)`. `jsonschema.validate` first checks the *schema* against
its meta-schema, and Rasa's events schema is large: under 20 concurrent conversations a py-spy
profile of the Rasa server put a third of its CPU time there (README, "Evaluation and turn
latency"). Here the schema is checked once and its validator kept; every action response is
still validated against the same schema, and an invalid one still raises the same error through
Rasa's own method.

Applied when the REST channel is imported (bot/channels/rest.py), i.e. in `make run`, the
end-to-end tests and the benchmarks. A Rasa without the method is left alone.
"""

import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

_MARK = "_helios_cached_validator"


def apply() -> bool:
    """Patch RemoteAction once; returns whether the patch is in place."""
    try:
        # Rasa only exists in the Rasa server's environment; this module is imported elsewhere.
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # pragma: no cover - not in a Rasa process
        return False
    if getattr(RemoteAction, _MARK, None) is not None:
        return True
    original = getattr(RemoteAction, "_validate_action_result", None)
    if original is None:
        logger.warning("Rasa has no RemoteAction._validate_action_result; not patched")
        return False
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return original(self, result)  # raises Rasa's ValidationError, message and all

    setattr(RemoteAction, _MARK, validator)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True
