import * as core from '@actions/core';

// One bundle serves both steps (as actions/checkout does); the main step marks the post's state.
// Each step loads only its own code: the post step of a run that finished reads its journal and
// exits without loading the rollout (ssh2, settings, the load balancers), which is most of the
// bundle's start-up time.
void (core.getState('isPost') ? import('./post').then((m) => m.post()) : import('./main').then((m) => m.run()));
