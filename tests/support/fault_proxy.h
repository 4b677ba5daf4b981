// The fault-injecting proxy for tests that link dl_testsupport; see
// tests/fault_proxy/fault_proxy.h (API) and fault_rules.h (schedule syntax).
#pragma once

#include "tests/fault_proxy/fault_proxy.h"  // IWYU pragma: export
