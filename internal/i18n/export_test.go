package i18n

// WalkSources is walkSources for the external tests (built_keys_test.go).
var WalkSources = walkSources
