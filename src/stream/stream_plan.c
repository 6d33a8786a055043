/* Choosing how much look-ahead a non-causal model keeps when streaming. */
#include "stream_net.h"

/* The largest fraction of every layer's right context (in 1/64 steps) whose total
 * look-ahead fits in max_samples; all of it when max_samples < 0. */
hfc_stream_plan hfc_stream_plan_for(int max_samples, int (*lookahead_of)(const void *net,
                                                                          const hfc_stream_plan *),
                                    const void *net)
{
    hfc_stream_plan plan = {1.0};
    if (max_samples < 0)
        return plan;
    for (int step = 64; step >= 0; step--) {
        plan.keep_lookahead = step / 64.0;
        if (lookahead_of(net, &plan) <= max_samples)
            break;
    }
    return plan;
}
