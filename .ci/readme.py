"""Write README.md from nbs/index.ipynb without Quarto (`nbdev-readme` needs Quarto, which these machines lack).
`python .ci/readme.py` writes it; `python .ci/readme.py --check` fails if README.md is out of date."""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
def render(nb):
    out = []
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        lines = src.splitlines()
        dirs = [l for l in lines if l.startswith('#|')]
        body = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        if not body or any(re.match(r'#\|\s*(hide|exporti?|default_exp)\b', d) for d in dirs): continue
        if c['cell_type'] == 'markdown':
            m = re.match(r'# (.+)\n+> (.+)', body)  # title and summary, as nbdev renders them
            out.append(f"# {m[1]}\n\n> {m[2]}" + body[m.end():] if m else body)
        else: out.append(f"```python\n{body}\n```")
    out = [re.sub(r"\]\(images/", "](nbs/images/", o) for o in out]  # README sits one folder above the notebooks
    return '\n\n'.join(out) + '\n\n<!-- made from nbs/index.ipynb by .ci/readme.py; edit the notebook, not this file -->\n'

txt = render(root/'nbs'/'index.ipynb')
if '--check' in sys.argv:
    if (root/'README.md').read_text() != txt: sys.exit('README.md is out of date with nbs/index.ipynb: run python .ci/readme.py')
else: (root/'README.md').write_text(txt)
