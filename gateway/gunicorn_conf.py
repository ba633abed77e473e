"""The web server's settings, in one place: the Procfile, `aspirasi run` and the benchmarks
start gunicorn with `-c python:gateway.gunicorn_conf` (a --bind on the command line wins).

Two processes of four threads: bench/README.md ("Webhook") has what 4×1, 3×2, 2×8, 2×16
measured against it; none was better beyond the noise on two cores.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = 2
threads = 4
graceful_timeout = 5
control_socket_disable = True  # gunicorn 25+: no control socket file in the working folder
