"""Child process of the crash test: drain for real, then stall right after the first archive.

The stall stands in for "the machine died here": the parent waits until the archive file
exists and SIGKILLs this process, so the batch is archived but never deleted from the queue.
"""

import sys
import time

from platform_assets.logins.archive import drain_queue
from resources.queue import LoginQueueResource
from resources.storage import StorageResource


class StallBeforeDelete:
    def __init__(self, queue):
        self.queue = queue

    def receive(self, n):
        return self.queue.receive(n)

    def delete(self, messages):
        print("archived, about to delete", flush=True)
        time.sleep(600)


if __name__ == "__main__":
    queue_url, endpoint, storage_url = sys.argv[1:4]
    # A short visibility timeout so the unacknowledged batch is redelivered within the test.
    queue = LoginQueueResource(
        queue_url=queue_url,
        endpoint_url=endpoint,
        wait_time_seconds=0,
        visibility_timeout_seconds=2,
    )
    storage = StorageResource(url=storage_url, s3_endpoint_url=endpoint)
    drain_queue(StallBeforeDelete(queue), storage, max_messages=1000, archive_batch_size=50)
