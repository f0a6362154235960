from . import (
    test_connection,
    test_connection_ui,
    test_items,
    test_mapping,
    test_rate_window,
    test_resync,
    test_security_rpc,
    test_send,
    test_send_background,
    test_security,
    test_send_rules,
    test_send_scale,
)
