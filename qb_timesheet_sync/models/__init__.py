from . import qbo_connection
from . import qbo_sync_log
from . import res_company
from . import res_config_settings
