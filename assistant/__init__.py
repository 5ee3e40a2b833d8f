"""A grounded clinical question-answering assistant.

Nothing is ever downloaded at run time: the models ship inside PyPI packages, so every
hub lookup is switched off before any library that might try one is imported.
"""

import os

_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
os.environ.update(_OFFLINE)

__version__ = "0.1.0"
