import * as core from '@actions/core';
import { run } from './main';
import { post } from './post';

// One bundle serves both steps (as actions/checkout does); the main step marks the post's state.
void (core.getState('isPost') ? post() : run());
