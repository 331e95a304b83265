"After nbdev-proc-nbs: a processed page for every notebook, and the widgets page carrying the sampler's widget state"
import json, sys
from pathlib import Path
root = Path(__file__).parents[1]
missing = [nb.name for nb in (root/'nbs').glob('*.ipynb') if not (root/'_proc'/nb.name).exists()]
if missing: sys.exit(f"FAIL: nbdev-proc-nbs made no page for {', '.join(missing)}")
page = json.loads((root/'_proc'/'09_widgets.ipynb').read_text())
state = page['metadata'].get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {}).get('state', {})
views = [o['data']['application/vnd.jupyter.widget-view+json']['model_id'] for c in page['cells'] for o in c.get('outputs', [])
         if 'application/vnd.jupyter.widget-view+json' in o.get('data', {})]
images = [m for m in state.values() if m['model_name'] == 'ImageModel']
if not (views and all(v in state for v in views) and images):
    sys.exit(f"FAIL: _proc/09_widgets.ipynb: {len(views)} widget views, {len(state)} widget models, {len(images)} images in the saved state")
print(f"docs: {len(list((root/'_proc').glob('*.ipynb')))} pages; the widgets page holds {len(state)} widget models ({len(images)} image) for {len(views)} view")
