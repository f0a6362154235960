from . import main
from . import webhook
