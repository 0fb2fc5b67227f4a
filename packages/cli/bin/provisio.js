#!/usr/bin/env node
// Runs the compiled command (built by `npm install` through the root `prepare` script).
import '../dist/main.js';
