__version__ = "0.0.1"

import warnings
# raised inside fastai's imports, not the user's to act on; here, before any fastgan module imports fastai
warnings.filterwarnings('ignore', message=r'`torch.jit.script` is deprecated', category=FutureWarning)
