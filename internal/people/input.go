package people

// InputOf is the editable part of p, for the read-modify-write of the UI's edit
// form and the API's PATCH: a greeting name that was derived stays derived
// (empty), so a later change of the name still changes the greeting.
func InputOf(p Person) PersonInput { return inputOf(p) }
