/** @odoo-module **/
// A screenshot of the page for the addon's description (see
// tests/screenshots.py): asks the test for it, then waits until the test says
// it is taken, or goes on after a few seconds when nobody answers.
window.qboScreenshot = async function (name) {
    delete document.body.dataset.qboShot;
    console.log(`qbo-screenshot:${name}`);
    for (let tries = 0; tries < 50 && document.body.dataset.qboShot !== name; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
};
