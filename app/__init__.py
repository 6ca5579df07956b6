"""The sample app's directory: a package only so that its tests import the app as
`app.sample_app`; the image holds `sample_app` alone."""
