"""The widgets in a real browser: JupyterLab on 127.0.0.1 in headless Chromium, every control of the Sampler and the TrainingPanel
worked by keys, clicks and a mouse drag (`drive_widgets.py`, through `run_test.sh`). About 90 s on 2 CPU cores.
FASTGAN_DOCS_SHOTS=nbs/images also copies the screenshots the widgets page shows there."""
import json, os, shutil, subprocess, sys
from pathlib import Path
from browser import need_browser

HERE = Path(__file__).parent
REPO = HERE.parents[1]
DOCS_SHOTS = {'docs-sampler.png': 'widgets_sampler.png', 'docs-panel.png': 'widgets_panel.png'}

def test_widgets_in_jupyterlab(tmp_path):
    "Every check of drive_widgets.py passes and the browser console has no error"
    need_browser('selenium', 'jupyterlab')
    env = {**os.environ, 'BT': str(tmp_path), 'VENV': str(Path(sys.executable).parent.parent), 'RUN_DIR': str(REPO/'nbs'/'demo_run'),
           'PORT': os.environ.get('FASTGAN_BROWSER_PORT', '8899')}
    r = subprocess.run(['bash', str(HERE/'run_test.sh'), 'lab'], env=env, capture_output=True, text=True, timeout=900)
    res = tmp_path/'shots'/'lab'/'results.json'
    assert res.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    results = json.loads(res.read_text())
    failed = [f"{c['name']}: {c['detail']}" for c in results['checks'] if not c['ok']]
    errors = [c['message'] for c in results['console'] if c['level'] in ('SEVERE', 'ERROR')]
    assert not results.get('error') and not failed and not errors, '\n'.join(failed + errors + [results.get('error') or ''])
    if dst := os.environ.get('FASTGAN_DOCS_SHOTS'):
        for src, name in DOCS_SHOTS.items(): shutil.copy(tmp_path/'shots'/'lab'/src, Path(dst)/name)
