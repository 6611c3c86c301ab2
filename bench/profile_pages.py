"""Where a page request spends its time: a pyinstrument profile of the public pages.

Run it before optimising (``make bench-profile``). It builds the same throwaway demo
as ``bench/run.py`` (SQLite, a 30-block programme page), then, in a child process
with the production settings and ``DEBUG`` off, sends each page through the whole
WSGI stack (every middleware, as gunicorn would) many times under pyinstrument and
prints the call tree of the slowest paths: uncached, then as a page-cache hit.

Wall-clock figures from a profiler are inflated by the profiler itself; read the
shares, not the milliseconds.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from run import LONG_PAGE_SLUG, PYTHON, ROOT, build_site  # noqa: E402

PATHS = {
    "home": "/",
    "programme index": "/primary-mastery/",
    "programme page (30 blocks)": f"/primary-mastery/{LONG_PAGE_SLUG}/",
}


def profile_in_this_process(paths: list[str], repeat: int, cached: bool, depth: int) -> None:
    """Runs in the child process, whose environment holds the production settings."""
    from wsgiref.util import setup_testing_defaults

    from django.core.wsgi import get_wsgi_application

    from pyinstrument import Profiler

    application = get_wsgi_application()  # what gunicorn serves: every middleware

    def get(path: str) -> tuple[str, dict]:
        environ = {"PATH_INFO": path, "HTTP_HOST": "127.0.0.1", "SERVER_NAME": "127.0.0.1"}
        setup_testing_defaults(environ)
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=status, headers=dict(headers))

        body = application(environ, start_response)
        b"".join(body)
        body.close()
        return answer["status"], answer["headers"]

    for path in paths:
        for _ in range(3):  # warm: templates compiled, renditions made, cache filled
            status, headers = get(path)
            assert status.startswith("200"), (path, status)
        if cached:
            assert headers.get("X-Page-Cache") == "hit", f"{path} was not served from the cache"
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(repeat):
            get(path)
        profiler.stop()
        label = "cache hit" if cached else "uncached"
        print(f"\n===== {path} ({label}, {repeat} requests) =====")
        session = profiler.last_session
        print(f"{session.duration / repeat * 1000:.2f} ms a request under the profiler")
        print(profiler.output_text(unicode=True, time="percent_of_total"))
        print(f"--- the {depth} functions with the most time of their own ---")
        flat = profiler.output_text(flat=True, time="percent_of_total")
        print("\n".join(flat.splitlines()[: depth + 8]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="requests per page (default 200)")
    parser.add_argument(
        "--top", dest="depth", type=int, default=25, help="functions listed by own time"
    )
    parser.add_argument("--page", choices=sorted(PATHS), action="append", help="only these pages")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cached", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = [PATHS[name] for name in (args.page or PATHS)]
    if args.child:
        profile_in_this_process(paths, args.repeat, args.cached, args.depth)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="mathshub-profile-"))
    try:
        env = build_site(workdir)
        for cache_seconds in (0, 300):
            command = [PYTHON, __file__, "--child", "--repeat", str(args.repeat)]
            command += ["--top", str(args.depth)]
            for name in args.page or PATHS:
                command += ["--page", name]
            if cache_seconds:
                command.append("--cached")
            subprocess.run(
                command,
                cwd=ROOT,
                env={**env, "PAGE_CACHE_SECONDS": str(cache_seconds)},
                check=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")
    sys.exit(main())
