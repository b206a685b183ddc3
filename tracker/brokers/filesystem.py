"""The embedded Celery broker: kombu's file-system transport, with each message written atomically.

kombu's writer creates the message file under its final name and then writes it, while a worker
polling the same folder may already move and read it: a half-written message then stops the
worker with a JSON error. Here the message is written under a name no reader looks at and renamed
into the queue when complete (a rename within a folder is atomic).
"""

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # kombu's file-system channel calls the base's `message` `payload` (its stubs ignore that too).
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        partial = f"{path}.part"  # readers take only names ending in ".<queue>.msg"
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, path)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
