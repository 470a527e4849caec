// Declarations only: the definitions come from libFuzzer (see include/CLibFuzzer.h).
#include "CLibFuzzer.h"
