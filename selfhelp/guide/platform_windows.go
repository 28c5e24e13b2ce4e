package guide

// Current is the platform Lifeline is running on.
const Current = Windows
