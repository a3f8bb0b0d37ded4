"""Container HEALTHCHECK: exit 0 when the function answers /readyz with 200, else 1.

Stdlib only and no shell, so it runs in the runtime image as it is; the port is the one the server
listens on ($PORT, as Knative and Cloud Run set it).
"""

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:  # 503 while loading arrives here as HTTPError
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
