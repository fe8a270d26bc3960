// TEMP shim (lane-package): the stores lane replaces this file; the integrator drops this commit.
export * from './conformance.js'
